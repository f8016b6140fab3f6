module.exports = { ...require('../../jest.preset.js'), displayName: 'verification', rootDir: __dirname };
