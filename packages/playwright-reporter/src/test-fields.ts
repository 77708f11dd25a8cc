import path from 'node:path';
import type { TestCase, TestError as PlaywrightError } from '@playwright/test/reporter';
import type { Annotation, TestError, TestFields } from './protocol.ts';

/** The contract's caps on fields that do not name a test (names are sent whole). */
const MAX_TAGS = 100;
const MAX_ANNOTATIONS = 100;
const MAX_ANNOTATION_TYPE = 1024;
const MAX_ANNOTATION_DESCRIPTION = 16 * 1024;

export function toPosix(file: string): string {
  return file.split(path.sep).join(path.posix.sep);
}

/**
 * A test's identity as the JSON report gives it: its file relative to rootDir, its describe
 * titles (anonymous ones left out) then its title, and its project.
 */
export function describeTest(test: TestCase, rootDir: string): TestFields {
  // titlePath() is [root '', project, file, ...named describes, title] in every version since
  // 1.40 (Suite.type, to walk the parents instead, came in 1.44).
  return {
    testId: test.id,
    title: test.title,
    titlePath: test.titlePath().slice(3),
    file: toPosix(path.relative(rootDir, test.location.file)),
    line: test.location.line,
    column: test.location.column,
    projectName: test.parent.project()?.name ?? '',
  };
}

/** The wire's error: message, stack and value as Playwright gives them (ANSI colours kept). */
export function toWireError(error: PlaywrightError): TestError {
  const wire: TestError = {};
  if (typeof error.message === 'string') wire.message = error.message;
  if (typeof error.stack === 'string') wire.stack = error.stack;
  if (typeof error.value === 'string') wire.value = error.value;
  return wire;
}

/** Runtime annotations may carry anything as description: it is sent as text. */
export function toWireAnnotations(annotations: TestCase['annotations']): Annotation[] {
  return annotations.slice(0, MAX_ANNOTATIONS).map((annotation) => {
    const wire: Annotation = { type: String(annotation.type).slice(0, MAX_ANNOTATION_TYPE) };
    const description: unknown = annotation.description;
    if (description !== undefined && description !== null) {
      const text = typeof description === 'string' ? description : JSON.stringify(description);
      if (text !== undefined) wire.description = text.slice(0, MAX_ANNOTATION_DESCRIPTION);
    }
    return wire;
  });
}

export function toWireTags(tags: readonly string[] | undefined): string[] {
  return (tags ?? []).slice(0, MAX_TAGS);
}

/** Output cut into pieces of at most `max` UTF-16 units, never inside a surrogate pair. */
export function splitChunk(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + max);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
