import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './apps/dashboard/svelte.config.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/data/**',
      'drizzle/**',
      '**/.tmp/**',
      'apps/dashboard/.svelte-kit/**',
      'apps/dashboard/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['apps/dashboard/src/**/*.svelte', 'apps/dashboard/src/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: tseslint.parser,
        svelteConfig,
      },
    },
    rules: {
      // User text must never become HTML: {@html} is not used anywhere, and must not start.
      'svelte/no-at-html-tags': 'error',
      // The dashboard is served at the root (no `paths.base`), so its links need no resolve().
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
);
