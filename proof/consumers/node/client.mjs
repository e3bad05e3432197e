// The consumer proof's Node client: node-postgres (pg) given nothing but a DATABASE_URL.
//
// One long-running process: each line on stdin is a JSON object {"url": "...", "resolve": {"<hostname>":
// "127.0.0.1"}}; for each, a new pg.Client({connectionString: url}) connects, asks the server whether the
// session is TLS, disconnects, and one JSON line answers on stdout, in order:
//   {"ok": true, "ssl": true, "version": "TLSv1.3"}   or   {"ok": false, "error": "<message>"}
// pg parses the URL itself (pg-connection-string: WHATWG URL, then sslmode/sslrootcert from the query),
// exactly as an application handed DATABASE_URL does.
//
// The artifact's hostnames are sent to 127.0.0.1 by overriding dns.lookup here (net.Socket#connect asks
// dns.lookup at connect time); TLS still verifies the certificate against the hostname, since pg sets
// servername to the URL's host.
import dns from 'node:dns'
import readline from 'node:readline'
import pg from 'pg'

const resolved = new Map()
const systemLookup = dns.lookup
dns.lookup = (hostname, options, callback) => {
  const address = resolved.get(hostname)
  if (address === undefined) return systemLookup(hostname, options, callback)
  if (typeof options === 'function') return options(null, address, 4)
  if (options && options.all) return callback(null, [{ address, family: 4 }])
  return callback(null, address, 4)
}

async function attempt(line) {
  const request = JSON.parse(line)
  for (const [hostname, address] of Object.entries(request.resolve || {})) resolved.set(hostname, address)
  let client
  try {
    client = new pg.Client({ connectionString: request.url, connectionTimeoutMillis: 10000 })
    await client.connect()
    const result = await client.query('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()')
    const row = result.rows[0] || {}
    return { ok: true, ssl: row.ssl === true, version: row.version || null }
  } catch (error) {
    return { ok: false, error: `${error.name || 'Error'}: ${error.message}`.split('\n')[0] }
  } finally {
    if (client) await client.end().catch(() => {})
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    answer = await attempt(line)
  } catch (error) {
    answer = { ok: false, error: `bad request line: ${error.message}` }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
