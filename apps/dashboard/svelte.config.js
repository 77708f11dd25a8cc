import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * The content security policy: scripts only from this origin (SvelteKit hashes its own inline
 * bootstrap), so no `unsafe-eval` and no inline script. Styles allow inline attributes because
 * ECharts and Svelte set element styles.
 */
const csp = {
  mode: 'hash',
  directives: {
    'default-src': ['self'],
    'script-src': ['self'],
    'style-src': ['self', 'unsafe-inline'],
    'img-src': ['self', 'data:'],
    'font-src': ['self'],
    'connect-src': ['self'],
    'object-src': ['none'],
    'base-uri': ['self'],
    'form-action': ['self'],
    'frame-ancestors': ['none'],
  },
};

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build', precompress: true }),
    csp,
    // Form posts (login, logout) from another origin are refused with 403. SvelteKit compares the
    // Origin header with the page's origin: adapter-node learns it from ORIGIN (a service of its
    // own) or from the API's listener (same port: PROTOCOL_HEADER and Host). No origin is trusted.
    csrf: { trustedOrigins: [] },
  },
};
