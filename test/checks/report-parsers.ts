// The real parsers the report files are read back with: SARIF validated against the official
// SARIF 2.1.0 (rtm.5) JSON schema shipped in @microsoft/jest-sarif, using Ajv's draft-04 class
// (unicodeRegExp: false because the official schema has a pattern — language tags — that is only
// valid as a non-unicode RegExp; the schema itself is used unmodified); JUnit with fast-xml-parser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));

export function sarifValidator() {
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default ? addFormats.default(ajv as never) : (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv.compile(schema);
}

/** Parses a JUnit file; throws when it is not well-formed XML. Returns the document and its test cases. */
export function parseJunit(xml: string): { doc: any; cases: any[] } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`JUnit XML is not well-formed: ${JSON.stringify(valid)}`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const suites = [doc.testsuites.testsuite].flat();
  return { doc, cases: suites.flatMap((s: any) => [s.testcase].flat()) };
}
