import { ConfigError } from '@signet/config';
import { describeFailure, startFailureText } from './run-service';

describe('startFailureText', () => {
  it('lists a configuration error field by field', () => {
    const err = new ConfigError('signet.yaml', [{ path: 'verifier.keys', message: 'Required' }]);
    expect(startFailureText('verifier', err)).toBe('verifier: invalid configuration in signet.yaml:\n  - verifier.keys: Required\n');
  });

  it('puts anything else on one line with its causes, each quoted once', () => {
    const root = new Error("ENOENT: no such file or directory, open '/keys/cosign.pub'");
    const err = new Error('cannot read verifier key /keys/cosign.pub', { cause: root });
    expect(startFailureText('verifier', err)).toBe(
      "verifier failed to start: cannot read verifier key /keys/cosign.pub: ENOENT: no such file or directory, open '/keys/cosign.pub'\n",
    );
    expect(describeFailure(new Error(`a\n  b`, { cause: new Error('a') }))).toBe('a b');
    expect(describeFailure('plain')).toBe('plain');
  });
});
