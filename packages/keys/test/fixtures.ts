import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '@signet/testing';

/** cosign's key fixtures beside the checkout, or the copy in testdata/. */
const COSIGN_FIXTURES = path.join(sharedDir(), 'fixtures/cosign');

export const fixturePath = (relative: string): string => path.join(COSIGN_FIXTURES, relative);
export const readFixtureText = (relative: string): string => readFileSync(fixturePath(relative), 'utf8');
