/** @type {import('jest').Config} */
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: { target: 'es2022', parser: { syntax } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/stripe/test', '<rootDir>/oidc/test', '<rootDir>/appstore/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': swc('typescript'), '^.+\\.js$': swc('ecmascript') },
  // jose ships only ES modules; compile it to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  testTimeout: 30000,
};
