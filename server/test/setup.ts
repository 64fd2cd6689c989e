/**
 * Runs before every test file. New password hashes use a low scrypt cost here, so that the hundreds of staff
 * accounts the suites create do not take ~0.8 s each; secrets.test.ts and the sign-in tests check the real cost.
 */
import { setPasswordCostForTests } from '../domain/secrets';

setPasswordCostForTests({ N: 1024, r: 8, p: 1 });
