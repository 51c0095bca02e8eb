// A client generated from the served OpenAPI document (openapi-typescript
// writes schema.d.ts next to this file; tsc checks every call below against
// it, so a route, parameter or body the document gets wrong fails to compile)
// driving a real `gardien serve` through openapi-fetch
// (tests/server/test_openapi.sh sets GD_BASE and GD_TOKEN).
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

// Node's globals, declared here rather than pulled from @types/node.
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const baseUrl = process.env.GD_BASE ?? "";
const token = process.env.GD_TOKEN ?? "";
const tenant = "acme";
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

function check(cond: unknown, what: string): asserts cond {
  if (!cond) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
}

// create a subject (with an Idempotency-Key: the retry gets the same one)
const body = { identifiers: { email: "generated@example.org" } };
const created = await client.POST("/v1/tenants/{tenant}/subjects", {
  params: { path: { tenant }, header: { "Idempotency-Key": "client-1" } },
  body,
});
check(created.response.status === 201 && created.data, `create a subject: ${created.response.status}`);
const subject = created.data.subject;
const again = await client.POST("/v1/tenants/{tenant}/subjects", {
  params: { path: { tenant }, header: { "Idempotency-Key": "client-1" } },
  body,
});
check(again.data?.subject === subject, "the retry under the same key gets the same subject");
check(again.response.headers.get("Idempotent-Replayed") === "true", "the retry is marked as replayed");

// put a record, read it back for its purpose
const put = await client.POST("/v1/tenants/{tenant}/subjects/{subject}/records", {
  params: { path: { tenant, subject } },
  body: { activity: "billing", category: "user.name", value: "Grace Hopper" },
});
check(put.response.status === 201 && put.data, `put a record: ${put.response.status}`);
const got = await client.GET("/v1/tenants/{tenant}/records/{id}", {
  params: { path: { tenant, id: String(put.data.id) }, query: { purpose: "billing" } },
});
check(got.data?.value === "Grace Hopper" && got.data.subject === subject, "read the record back");

// list the subjects a page at a time, following next_cursor
for (let i = 0; i < 4; i++) {
  const r = await client.POST("/v1/tenants/{tenant}/subjects", { params: { path: { tenant } }, body: {} });
  check(r.response.status === 201, "create more subjects");
}
const seen: string[] = [];
let cursor: string | undefined;
let pages = 0;
do {
  const page = await client.GET("/v1/tenants/{tenant}/subjects", {
    params: { path: { tenant }, query: { limit: 2, cursor } },
  });
  check(page.data, `list subjects: ${page.response.status}`);
  check(page.data.subjects.length <= 2, "a page holds at most the limit");
  seen.push(...page.data.subjects.map((s) => s.subject));
  cursor = page.data.next_cursor;
  pages++;
} while (cursor && pages < 10);
check(seen.length === 5 && new Set(seen).size === 5 && seen.includes(subject), `all 5 subjects once: ${seen}`);
check(pages === 3, `3 pages of 2, got ${pages}`);

// an error: a problem document the client reads as one
const missing = await client.GET("/v1/tenants/{tenant}/records/{id}", {
  params: { path: { tenant, id: "999999" }, query: { purpose: "billing" } },
});
check(missing.response.status === 404, `missing record: ${missing.response.status}`);
check(missing.response.headers.get("Content-Type") === "application/problem+json", "problem content type");
check(missing.error?.code === "not_found" && missing.error.status === 404 && missing.error.title, "problem members");
const bad = await client.GET("/v1/tenants/{tenant}/subjects", {
  params: { path: { tenant }, query: { cursor: "not-a-cursor" } },
});
check(bad.error?.code === "bad_cursor", "a forged cursor is refused");
console.log("generated client: ok");
