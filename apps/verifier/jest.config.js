module.exports = { ...require('../../jest.preset.js'), displayName: 'verifier', rootDir: __dirname };
