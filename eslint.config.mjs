// ESLint (flat config) for the web UI: plain ES modules that run in the browser as written, no build step.
// Types are checked separately by `tsc -p tsconfig.json` from the JSDoc in web/js (see web/js/types.js).
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["web/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-throw-literal": "error",
      "no-console": ["error", { allow: ["error"] }],
    },
  },
];
