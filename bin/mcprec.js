#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ (`npm run build`;
// scripts/bundle-cli.mjs says why).
import { main } from '../dist/bundle/main.js';

main(process.argv);
