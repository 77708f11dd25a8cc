import type { Viewer } from '@flackyness/shared/api';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** The API's error code, or `api_unreachable` when it could not be reached. */
      code?: string;
    }
    interface Locals {
      /** The session secret from the cookie, when there is one. */
      session: string | undefined;
    }
    interface PageData {
      viewer?: Viewer;
    }
  }
}

export {};
