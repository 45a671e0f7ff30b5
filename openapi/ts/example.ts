// A small tool on the generated types: list the contracts whose security
// confirmation is due this month. `tsc --noEmit` type-checks it in CI, so a
// change of the API that breaks its callers breaks this file first.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Contract = components["schemas"]["Contract"];

export async function contractsDueThisMonth(baseUrl: string, token: string): Promise<Contract[]> {
  // JSON answers only: list operations also answer text/csv and XLSX (?format=).
  const client = createClient<paths, `application/${string}json`>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth(), 1);
  const next = new Date(now.getFullYear(), now.getMonth() + 1, 1);
  const day = (d: Date) => d.toISOString().slice(0, 10);

  const due: Contract[] = [];
  let cursor: string | undefined;
  do {
    const { data, error, response } = await client.GET("/v1/contracts", {
      params: { query: { status: "active", confirmation_due_before: day(next), limit: 200, cursor } },
    });
    if (error) {
      throw new Error(`list-contracts answered ${response.status}: ${error.detail ?? error.title}`);
    }
    for (const c of data.items ?? []) {
      if (c.next_confirmation_due && c.next_confirmation_due >= day(first)) {
        due.push(c);
      }
    }
    cursor = data.next_cursor;
  } while (cursor);
  return due;
}
