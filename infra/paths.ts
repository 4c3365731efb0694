import * as path from 'node:path';

/** The repository root: the NodejsFunction project root, where package-lock.json and functions/ live. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The reaper handler's source, bundled by esbuild at synth time. */
export const REAPER_HANDLER_ENTRY = path.join(REPO_ROOT, 'functions', 'reaper', 'handler.ts');

/**
 * The function's AWS_LAMBDA_EXEC_WRAPPER script (it lowers V8's semi-space below what Lambda's runtime passes); the
 * stack copies it into the bundle, and the bench runs its reaper process through it.
 */
export const REAPER_EXEC_WRAPPER_SCRIPT = path.join(REPO_ROOT, 'functions', 'reaper', 'exec-wrapper.sh');

/** The lock file esbuild bundling is keyed on. */
export const LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');
