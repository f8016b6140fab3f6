module.exports = { ...require('../../jest.preset.js'), displayName: 'signatures', rootDir: __dirname };
