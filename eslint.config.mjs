import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/e2e/.code-server/**', 'test/.balena-cli/**', 'test/e2e/artifacts/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only extension/ may import vscode.' }] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from 'zod'`: the named `z` pulls every locale into each bundle.",
        },
      ],
    },
  },
  {
    files: ['extension/**/*.ts', 'test/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  ...folderRules(),
  prettier, // formatting is prettier's (npm run format); eslint keeps to correctness
);

/**
 * What each folder may import, as its README says (simulator/README.md, webview/README.md, extension/README.md).
 * A relative import that climbs into a folder not on its list is a lint error.
 */
function folderRules() {
  const simulatorFolders = {
    shared: [],
    engine: ['shared'],
    registry: ['engine', 'shared'],
    device: ['engine', 'shared', 'registry'],
    push: ['engine', 'shared'],
    fleet: ['device', 'push', 'registry', 'engine', 'shared'],
    board: ['shared'],
    cli: Object.keys({ shared: 0, engine: 0, registry: 0, device: 0, push: 0, fleet: 0, board: 0 }),
  };
  const rule = (patterns) => ['error', { paths: [{ name: 'vscode', message: 'Only extension/ may import vscode.' }], patterns }];
  const climbsInto = (folders, why) => ({ regex: `^(\\.\\./)+(${folders.join('|')})/`, message: why });
  const all = Object.keys(simulatorFolders);
  const configs = Object.entries(simulatorFolders).map(([folder, allowed]) => {
    const denied = all.filter((f) => f !== folder && !allowed.includes(f));
    const patterns = [climbsInto(['extension', 'webview', 'test', 'bench'], `simulator/ never imports the editor, the webview or tests.`)];
    if (denied.length > 0)
      patterns.push(
        climbsInto(
          denied,
          `simulator/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (simulator/README.md).`,
        ),
      );
    return { files: [`simulator/${folder}/**/*.ts`], rules: { 'no-restricted-imports': rule(patterns) } };
  });
  configs.push({
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        climbsInto(
          ['extension', 'test'],
          'webview/ is a browser bundle: it may import the protocol and simulator/shared only (webview/README.md).',
        ),
        {
          regex: '^(\\.\\./)+simulator/(?!shared/)',
          message: 'webview/ may import pure helpers from simulator/shared only (webview/README.md).',
        },
        { regex: '^node:', message: 'webview/ is a browser bundle: no Node modules.' },
      ]),
    },
  });
  return configs;
}
