// A tiny HTTP service, "built" in CI before `exp build` packages it (there is no RUN in exp).
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ hello: "from exp", path: req.url }));
}).listen(port, () => console.log(`listening on ${port}`));
