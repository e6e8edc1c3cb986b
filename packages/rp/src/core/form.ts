/** A ticket is ~43 characters; 8 KiB leaves room for other fields and refuses floods. */
export const FORM_BODY_LIMIT = 8 * 1024;

export type FormBody = { ok: true; params: URLSearchParams } | { ok: false; status: 413 | 415; message: string };

export const NOT_A_FORM: FormBody = {
  ok: false,
  status: 415,
  message: 'Expected an application/x-www-form-urlencoded form.',
};
export const FORM_TOO_LARGE: FormBody = { ok: false, status: 413, message: 'The form is too large.' };

/** Whether a Content-Type header names an HTML form body (RFC 9110 §8.3.1: case-insensitive, parameters allowed). */
export function isFormContentType(contentType: string | null | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** A body parser earlier in the stack already turned the form into an object: back to parameters. */
export function paramsFromParsed(parsed: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(parsed)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  return params;
}

/**
 * Reads a byte stream of at most {@link FORM_BODY_LIMIT} bytes and parses it as a form; stops
 * reading (and reports 413) as soon as the limit is passed.
 */
export async function readFormStream(chunks: AsyncIterable<Uint8Array>): Promise<FormBody> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > FORM_BODY_LIMIT) return FORM_TOO_LARGE;
    parts.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { ok: true, params: new URLSearchParams(new TextDecoder().decode(bytes)) };
}
