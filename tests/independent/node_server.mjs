// A plain, independent implementation of the Get Appointment contract on Node's own http module.
// Written from the contract (README's table), not from the mock: no packages, none of the mock's
// hardening. The contract suite must find nothing wrong with it. Run:
//   APP_JWT_SECRET=... PORT=8002 node tests/independent/node_server.mjs
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

const SECRET = process.env.APP_JWT_SECRET ?? "independent-test-secret";
const PREFIX = "/api/v1/calcom/appointments/";
const ID = /^[A-Za-z0-9_-]{1,128}$/;
// The status of each code; a team that moved one in its spec starts the server with APP_ERROR_STATUSES.
const STATUS = {
  INVALID_REQUEST: 400, NOT_CONNECTED: 400, UNAUTHORIZED: 401, INTERNAL_ERROR: 500, CALCOM_API_ERROR: 502,
  ...JSON.parse(process.env.APP_ERROR_STATUSES ?? "{}"),
};
const BOOKINGS = {
  org_alpha_clinic: {
    Booking01AlphaAccepted: ["agent_ann", "Ann", "Jo Park", "jo@example.com", "+14155550111", "2026-05-01T09:00:00Z", "2026-05-01T09:30:00Z", "accepted"],
    Booking02AlphaPending_: ["agent_bob", "Bob", "Sam Lee", "sam@example.org", "", "2026-05-02T10:00:00.000Z", "2026-05-02T11:00:00.000Z", "pending"],
  },
  org_beta_dental: {
    Booking03BetaCancelled: ["agent_cy", "Cy", "Kim Ro", "kim@example.net", "+442071234567", "2026-06-01T08:00:00Z", "2026-06-01T08:45:00Z", "cancelled"],
  },
};

function send(res, status, body, headers = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload), ...headers });
  res.end(res.req.method === "HEAD" ? undefined : payload);
}

const fail = (res, code, message, headers, status = STATUS[code]) => send(res, status, { success: false, message, code }, headers);

function verify(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
    if (header.alg !== "HS256") return null;
    const expected = createHmac("sha256", SECRET).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
    const now = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= now) return null;
    if (typeof claims.nbf === "number" && claims.nbf > now) return null;
    return claims;
  } catch {
    return null;
  }
}

function handle(req, res) {
  const url = new URL(req.url, "http://localhost");
  if (!url.pathname.startsWith(PREFIX) || url.pathname.slice(PREFIX.length).includes("/")) {
    return fail(res, "INVALID_REQUEST", "No such route", {}, 404);
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return fail(res, "INVALID_REQUEST", "Method not allowed", { Allow: "GET, HEAD" }, 405);
  }
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
  const claims = match ? verify(match[1].trim()) : null;
  if (!claims) return fail(res, "UNAUTHORIZED", "Invalid or missing token", { "WWW-Authenticate": "Bearer" });
  let id;
  try {
    id = decodeURIComponent(url.pathname.slice(PREFIX.length));
  } catch {
    return fail(res, "INVALID_REQUEST", "Invalid appointment_id");
  }
  if (!ID.test(id)) return fail(res, "INVALID_REQUEST", "Invalid appointment_id");
  const orgValues = url.searchParams.getAll("org_id");
  if (orgValues.length > 1 || orgValues.some((v) => !ID.test(v))) return fail(res, "INVALID_REQUEST", "Invalid org_id");
  if (claims.org_id !== undefined && (typeof claims.org_id !== "string" || !ID.test(claims.org_id))) {
    return fail(res, "UNAUTHORIZED", "Invalid org_id claim");
  }
  const org = claims.org_id ?? orgValues[0];
  if (!org) return fail(res, "INVALID_REQUEST", "No organization");
  const bookings = BOOKINGS[org];
  if (!bookings) return fail(res, "NOT_CONNECTED", `Cal.com is not connected for ${org}`);
  const found = Object.hasOwn(bookings, id) ? bookings[id] : undefined;
  if (!found) return fail(res, "CALCOM_API_ERROR", "Cal.com: booking not found");
  const [agent_id, agent_name, contact_name, contact_email, contact_phone, appointment_time, end_time, status] = found;
  const appointment = {
    id, organization_id: org, ghl_appointment_id: "", contact_id: "", agent_id, agent_name,
    contact_name, contact_email, contact_phone, appointment_time, end_time, status,
  };
  return send(res, 200, { success: true, message: "Appointment retrieved", data: { appointment, org_id: org, agent_id } });
}

createServer((req, res) => {
  try {
    handle(req, res);
  } catch {
    fail(res, "INTERNAL_ERROR", "Internal server error");
  }
}).listen(Number(process.env.PORT ?? 8002), process.env.HOST ?? "127.0.0.1");
