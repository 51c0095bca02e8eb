// validate_schema.js SCHEMA FILE… — validates each register FILE (YAML, read
// with the `yaml` package, YAML 1.2 core schema) against the JSON Schema
// (draft 2020-12, with `ajv`). Prints each error and exits 1 when a file fails.
'use strict';
const fs = require('fs');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020').default;
const ajv = new Ajv2020({allErrors: true, strict: true});
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
let bad = 0;
for (const file of process.argv.slice(3)) {
	const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
	if (!validate(doc)) {
		bad++;
		for (const e of validate.errors)
			console.error(`${file}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
	}
}
process.exit(bad ? 1 : 0);
