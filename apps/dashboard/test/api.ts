/** The API over HTTP with a bearer token, for test setup: a non-2xx answer throws with its body. */
export async function callApi<T>(
  baseUrl: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
