const { TestEnvironment } = require('jest-environment-node');

/**
 * A PKCS#11 module reads its configuration from the real environment when it is initialised (SoftHSM2 reads
 * SOFTHSM2_CONF), so these tests' process.env is the process's own rather than jest's copy.
 */
class RealEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.process.env = process.env;
  }
}

module.exports = RealEnvironment;
