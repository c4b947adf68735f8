// dependency-cruiser (npm run lint): the layout's rules, so a wrong import fails lint instead of waiting for a review.
// Rooms are the top-level folders, and each folder under shared/ (shared/http, shared/domain, …).

/** A module-level rule: imports from `from` to `to` (path regexes; `{ pathNot }` for "anything but") are errors. */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    forbid(
      'infra-is-cdk-only',
      'infra/ is the CDK app: it imports neither the local runtime (local/) nor the operator CLI (cli/).',
      { path: '^infra/' },
      { path: '^(local|cli)/' },
    ),
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment:
        'No folder imports a folder that imports it back, directly or around a loop (every folder: shared/http and ' +
        'shared/domain are two; so are test/unit and test/support).',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    // Folders with sub-folders (functions/, infra/, portal/, test/) could import each other through different
    // sub-folders without any one folder pair forming a cycle; these say which way they may depend, so two rooms
    // importing each other is caught at any depth.
    forbid(
      'shared-is-shared',
      'shared/ is code the entry points share: it imports no entry point (cli, local, functions, infra, portal, test).',
      { path: '^shared/' },
      { path: '^(cli|local|functions|infra|portal|test)/' },
    ),
    forbid('nothing-imports-tests', 'test/ depends on the code; no code depends on test/.', { pathNot: '^test/' }, { path: '^test/' }),
    forbid(
      'only-tests-import-infra',
      'infra/ is the CDK app: only its tests import it (the runtime, functions and CLI read shared/resources).',
      { pathNot: '^(infra|test)/' },
      { path: '^infra/' },
    ),
    forbid(
      'functions-are-entry-points',
      'functions/ are Lambda entry points: the stack (infra/) and tests refer to them, other code goes through shared/.',
      { pathNot: '^(functions|infra|test)/' },
      { path: '^functions/' },
    ),
    forbid(
      'portal-stands-alone',
      'The portal and its build import shared code only, never the local runtime or the CLI.',
      { path: '^portal/' },
      { path: '^(local|cli)/' },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|\\.local-data|dist|test-results)/' },
    // Type-only imports count: a folder that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
