/**
 * The floor: a bare Express 5 app answering kefu's benchmarked routes (same paths, same JSON shapes
 * of similar size) with no store, no validation and no authentication, plus a bare Socket.IO server
 * whose `question:subscribe` joins a room and whose `message:send_text` emits `message:new` to it.
 * What kefu does on top of this is what the ratios measure. Prints "floor listening on <port>".
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { Server } from 'socket.io';

const id = () => randomBytes(12).toString('hex');
const now = () => Date.now() / 1000;

const summaries = Array.from({ length: 20 }, (_, i) => ({
  question_id: id(),
  user_id: `bench-q${i}`,
  user_image_url: '',
  user_name: `Queue user ${i}`,
  title: `Where is my parcel ${i}?`,
  last_mess_text: '',
  last_mess_timestamp: null,
  last_mess_sender: null,
  last_mess_sender_type: null,
  timestamp: now(),
}));
const history = Array.from({ length: 20 }, (_, i) => ({
  message_id: id(),
  sender: 'bench-u0',
  sender_type: 1,
  timestamp: now(),
  seq: 20 - i,
  type: 3,
  text: `history ${19 - i}`,
}));

const app = express();
app.use(express.json({ limit: '16mb' }));
app.post('/v1/question/:question_id/message/send_text', (_req, res) => void res.json({ status: 200, message_id: id() }));
app.post('/v1/question/:question_id/message/send_image', (req, res) => {
  const file = `${id()}.jpg`;
  res.json({ status: 200, message_id: id(), image_url: `http://${req.get('host')}/v1/media/image/${file}` });
});
app.get('/v1/question/list', (_req, res) => void res.json({ status: 200, questions: summaries }));
app.get('/v1/question/:question_id/message', (_req, res) => void res.json({ status: 200, messages: history }));
app.post('/v1/question/:question_id/serve', (_req, res) => void res.json({ status: 200 }));

const server = http.createServer(app);
const io = new Server(server);
let seq = 0;
io.on('connection', (socket) => {
  socket.on('question:subscribe', (payload: { question_id: string }, ack?: (reply: unknown) => void) => {
    void socket.join(`question:${payload.question_id}`);
    ack?.({ status: 200 });
  });
  socket.on('message:send_text', (payload: { question_id: string; text: string }, ack?: (reply: unknown) => void) => {
    const message = { message_id: id(), sender: 'bench-agent', sender_type: 2, timestamp: now(), seq: ++seq, type: 3, text: payload.text };
    io.to(`question:${payload.question_id}`).emit('message:new', { question_id: payload.question_id, message });
    ack?.({ status: 200, message_id: message.message_id });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`floor listening on ${address.port}\n`);
});
process.once('SIGTERM', () => {
  io.close();
  server.close(() => process.exit(0));
});
