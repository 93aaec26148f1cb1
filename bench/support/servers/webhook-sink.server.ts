import { createServer } from 'node:http';

/**
 * `node webhook-sink.server.js <port>`: a receiver that reads each POST completely and answers
 * 204, in its own process so that it takes no CPU from whoever sends to it. GET answers how many
 * POSTs it has received.
 */
let received = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
    return;
  }
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.argv[2]), '127.0.0.1');
