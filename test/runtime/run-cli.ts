// Runs the CLI from sources (tests only): `node --import tsx test/runtime/run-cli.ts <args>`.
import { run } from '../../cli/main.js';

process.exitCode = await run(process.argv);
