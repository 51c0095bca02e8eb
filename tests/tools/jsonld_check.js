// jsonld_check.js FILE — processes a gardien JSON-LD register export with the
// jsonld processor in safe mode (a term that does not expand to an IRI is an
// error, no remote document is ever loaded) and prints, as JSON, what each
// activity's purposes, personal data, legal bases and countries expand to.
'use strict';
const fs = require('fs');
const jsonld = require('jsonld');
const DPV = 'https://w3id.org/dpv#', RDF_TYPE = '@type';
const noRemote = async url => { throw new Error('refused to load a remote document: ' + url); };
(async () => {
	const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	const opts = {safe: true, documentLoader: noRemote};
	const expanded = await jsonld.expand(doc, opts);
	const nquads = await jsonld.toRDF(doc, {...opts, format: 'application/n-quads'});
	const flat = await jsonld.flatten(doc, null, opts);
	const byId = new Map(flat['@graph'] ? flat['@graph'].map(n => [n['@id'], n]) : flat.map(n => [n['@id'], n]));
	const ids = (n, p) => (n[p] || []).map(v => v['@id']);
	const types = (n, p) => ids(n, p).flatMap(id => (byId.get(id) || {})[RDF_TYPE] || []);
	const out = {quads: nquads.split('\n').filter(Boolean).length, activities: []};
	for (const n of byId.values()) {
		if (!(n[RDF_TYPE] || []).includes(DPV + 'PersonalDataHandling')) continue;
		const seeAlso = p => ids(n, p).flatMap(id => ids(byId.get(id) || {}, 'http://www.w3.org/2000/01/rdf-schema#seeAlso'));
		const countries = [];
		for (const p of [DPV + 'hasRecipient', DPV + 'hasProcessing'])
			for (const id of ids(n, p)) countries.push(...ids(byId.get(id) || {}, DPV + 'hasCountry'));
		out.activities.push({
			id: n['@id'],
			purposes: types(n, DPV + 'hasPurpose'),
			purposes_fides: seeAlso(DPV + 'hasPurpose'),
			data: types(n, DPV + 'hasPersonalData'),
			data_fides: seeAlso(DPV + 'hasPersonalData'),
			bases: ids(n, DPV + 'hasLegalBasis'),
			countries,
		});
	}
	out.controller_country = [...byId.values()].flatMap(n => (n[RDF_TYPE] || []).includes(DPV + 'DataController') ? ids(n, DPV + 'hasCountry') : []);
	if (!expanded.length) throw new Error('nothing expanded');
	process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e && (e.details ? JSON.stringify(e.details) : '') + ' ' + (e.stack || e)); process.exit(1); });
