// bpmnlint over the given .bpmn files with the Camunda moddle extension, as Camunda Modeler runs
// it: bpmnlint:recommended + camunda-compat for Camunda Platform 7.24. Prints JSON, one entry per
// file: {file, errors: [{rule, id, message, category}]}; exits 1 if any error or warning.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
const camunda = require('camunda-bpmn-moddle/resources/camunda.json');

const config = {
  extends: ['bpmnlint:recommended', 'plugin:camunda-compat/camunda-platform-7-24'],
};
const linter = new Linter({ config, resolver: new NodeResolver({ require }) });
const moddle = new BpmnModdle({ camunda });

let failed = false;
const results = [];
for (const file of process.argv.slice(2)) {
  const { rootElement, warnings } = await moddle.fromXML(readFileSync(file, 'utf8'));
  const reports = await linter.lint(rootElement);
  const errors = [];
  for (const warning of warnings) {
    errors.push({ rule: 'import', id: warning.element?.id, message: warning.message, category: 'error' });
  }
  for (const [rule, list] of Object.entries(reports)) {
    for (const report of list) {
      errors.push({ rule, id: report.id, message: report.message, category: report.category });
    }
  }
  if (errors.some((e) => e.category === 'error' || e.category === 'warn' || e.category === 'rule-error')) {
    failed = true;
  }
  results.push({ file, errors });
}
console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
