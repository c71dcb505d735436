/** The floor: the least any Deno proxy does — `Deno.serve` + `fetch`, body handed straight through. */
const upstream = Deno.args[0];
const port = Number(Deno.args[1] ?? 0);
Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, async (req) => {
  const url = new URL(req.url);
  const response = await fetch(upstream + url.pathname + url.search, {
    method: req.method,
    headers: req.headers,
    body: await req.arrayBuffer(),
  });
  return new Response(response.body, { status: response.status, headers: response.headers });
});
