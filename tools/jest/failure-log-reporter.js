// A jest reporter that appends every failed test, with its message, to the file SIGNET_FAILURE_LOG names.
// CI keeps only the tail of a long run's output; .ci/run prints this file last so a failure is always in view.
const fs = require('node:fs');
const path = require('node:path');

const MAX_MESSAGE = 4000;
const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');
// Stack frames inside jest itself say nothing about the failure.
const dropRunnerFrames = (text) =>
  text
    .split('\n')
    .filter((line) => !/node_modules\/jest-|node_modules\/@jest\//.test(line))
    .join('\n');

class FailureLogReporter {
  constructor(globalConfig, options, context) {
    this.file = process.env.SIGNET_FAILURE_LOG;
    this.project = context?.config?.displayName?.name ?? context?.config?.displayName ?? '';
  }

  onTestResult(test, result) {
    if (!this.file) return;
    const file = path.relative(process.cwd(), result.testFilePath);
    const entries = [];
    if (result.testExecError) entries.push(`${file}: suite failed to run\n${stripAnsi(result.testExecError.message ?? '')}`);
    for (const assertion of result.testResults) {
      if (assertion.status !== 'failed') continue;
      const message = dropRunnerFrames(stripAnsi(assertion.failureMessages.join('\n'))).slice(0, MAX_MESSAGE);
      entries.push(`${file} > ${assertion.fullName} (${assertion.duration ?? '?'} ms, node ${process.version})\n${message}`);
    }
    if (entries.length > 0) fs.appendFileSync(this.file, entries.map((e) => `--- ${e}\n`).join(''));
  }
}

module.exports = FailureLogReporter;
