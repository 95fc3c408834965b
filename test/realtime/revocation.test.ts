/**
 * Revocation reaches live sockets: when what a session may hear shrinks (an agent's apps change,
 * its password changes, it is removed, its session is deleted, an app is removed), its sockets stop
 * receiving what they lost within 2 s — whether the change came through the admin API of the same
 * node, the CLI (another process on the same DATA_DIR), or another node.
 */
import assert from 'node:assert/strict';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { factories, type Factories } from '../support/factories.js';
import { client } from '../support/http.js';
import { startCluster, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

/** The bound the issue sets: a change reaches every socket within 2 s. */
const BOUND_MS = 2000;


const adminHeaders = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

/** Rooms of a session's sockets on one node. */
async function roomsOf(server: TestServer, session: string): Promise<Set<string>> {
  const sockets = await server.realtime.io.local.in(deviceRoomOf(sessionDigest(session))).fetchSockets();
  return new Set(sockets.flatMap((s) => [...s.rooms]));
}

/**
 * The paths a change can take. Each returns the node the socket is on and the one the change is
 * made through (the same for the admin API and the CLI), plus a way to make the change.
 */
interface Path {
  name: string;
  setup(): Promise<{ home: TestServer; f: Factories; admin: ReturnType<typeof client>; cliDir?: string; stop(): Promise<void> }>;
}

let redis: TestRedis | undefined;

const paths: Path[] = [
  {
    name: 'the admin API of the same node',
    async setup() {
      const home = await startTestServer();
      return { home, f: factories(home), admin: client(home.url), stop: () => home.stop() };
    },
  },
  {
    name: 'the CLI (another process, same DATA_DIR)',
    async setup() {
      const home = await startTestServer();
      return { home, f: factories(home), admin: client(home.url), cliDir: home.dataDir, stop: () => home.stop() };
    },
  },
  {
    name: 'another node (two nodes, one DATA_DIR, Redis)',
    async setup() {
      const cluster: Cluster = await startCluster(redis!.url, 2);
      const [home, other] = cluster.nodes as [TestServer, TestServer];
      return { home, f: factories(home), admin: client(other.url), stop: () => cluster.stop() };
    },
  },
];

for (const via of paths) {
  describe(`real time: revocation through ${via.name}`, function () {
    let world: Awaited<ReturnType<Path['setup']>>;
    const open: Recorded[] = [];

    before(async function () {
      if (via.name.startsWith('another node')) {
        requireRedis(this);
        redis ??= await startRedis();
      }
      world = await via.setup();
    });
    afterEach(() => open.splice(0).forEach((r) => r.close()));
    after(async () => world?.stop());

    const connect = async (session: string) => {
      const r = await recordedSocket(world.home.url, session);
      open.push(r);
      return r;
    };

    /** Makes a provisioning change through this path: CLI flags or an admin API call. */
    async function change(cliArgs: string[], http: () => Promise<{ status: number; text: string }>) {
      if (world.cliDir) {
        await runCli(world.cliDir, ...cliArgs);
        return;
      }
      const reply = await http();
      assert.equal(reply.status, 200, reply.text);
    }

    it("an agent's apps shrink: it stops hearing the lost app's queue, keeps the other", async () => {
      const { f } = world;
      const [kept, lost] = [await f.app(), await f.app()];
      const agent = await f.agent({ identifies: [kept, lost] });
      const socket = await connect(agent.session);
      await change(['agent:add', '--serv-id', agent.servId, '--password', agent.password, '--identifies', kept], () =>
        world.admin.post('/v1/admin/servs', { serv_id: agent.servId, password: agent.password, identifies: [kept] }, adminHeaders),
      );
      // The bound runs from the commit (the change call has returned), not from the CLI's start-up.
      await eventually(async () => !(await roomsOf(world.home, agent.session)).has(`queue:${lost}`), 'the lost queue room to be left', BOUND_MS);
      const rooms = await roomsOf(world.home, agent.session);
      assert.ok(rooms.has(`queue:${kept}`), 'keeps the app it still serves');
      assert.ok(rooms.has(`agent:${agent.servId}`), 'still the agent: same password');

      const lostQuestion = await f.question(await f.user({ identify: lost }));
      const keptQuestion = await f.question(await f.user({ identify: kept }));
      await socket.waitFor('queue:added', (p) => p.question.question_id === keptQuestion);
      await socket.flush();
      assert.ok(!socket.all('queue:added').some((p) => p.question.question_id === lostQuestion), 'heard the lost app');
    });

    it('a question the agent served in the lost app goes back to the queue, and its room is left', async () => {
      const { f } = world;
      const [kept, lost] = [await f.app(), await f.app()];
      const agent = await f.agent({ identifies: [kept, lost] });
      const user = await f.user({ identify: lost });
      const questionId = await f.question(user);
      await f.serve(questionId, agent);
      const socket = await connect(agent.session);
      assert.equal((await socket.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
      await change(['agent:add', '--serv-id', agent.servId, '--password', agent.password, '--identifies', kept], () =>
        world.admin.post('/v1/admin/servs', { serv_id: agent.servId, password: agent.password, identifies: [kept] }, adminHeaders),
      );
      await eventually(async () => !(await roomsOf(world.home, agent.session)).has(`question:${questionId}`), 'the question room to be left', BOUND_MS);
      const reply = await f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session });
      await eventually(async () => {
        const waits = await f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session });
        return waits.body.questions.some((q: { question_id: string }) => q.question_id === questionId);
      }, 'the question to wait in the queue again', BOUND_MS);
      assert.equal(reply.status, 200);
    });

    it("a changed password ends the agent's bindings: its sockets leave the agent and queue rooms", async () => {
      const { f } = world;
      const agent = await f.agent();
      const socket = await connect(agent.session);
      await change(['agent:add', '--serv-id', agent.servId, '--password', 'a-new-password', '--identifies', agent.identifies.join(',')], () =>
        world.admin.post('/v1/admin/servs', { serv_id: agent.servId, password: 'a-new-password', identifies: agent.identifies }, adminHeaders),
      );
      await eventually(async () => !(await roomsOf(world.home, agent.session)).has(`agent:${agent.servId}`), 'the agent room to be left', BOUND_MS);
      assert.ok(!(await roomsOf(world.home, agent.session)).has(`queue:${agent.identifies[0]}`));
      assert.ok(socket.socket.connected, 'the device stays connected as a plain user session');
      const tasks = await f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session });
      assert.equal(tasks.body.error, 'serv_not_bound');
    });

    it('a removed agent: its sockets stop hearing the queue', async () => {
      const { f } = world;
      const agent = await f.agent();
      await connect(agent.session);
      await change(['agent:delete', '--serv-id', agent.servId], () => world.admin.delete(`/v1/admin/servs/${agent.servId}`, adminHeaders));
      await eventually(async () => !(await roomsOf(world.home, agent.session)).has(`queue:${agent.identifies[0]}`), 'the queue room to be left', BOUND_MS);
    });

    it('a deleted session: its sockets are disconnected', async () => {
      const { f } = world;
      const user = await f.user();
      const socket = await connect(user.session);
      const gone = new Promise<void>((resolve) => socket.socket.once('disconnect', () => resolve()));
      await change(['session:delete', '--session', user.session], () => world.admin.delete(`/v1/admin/sessions/${user.session}`, adminHeaders));
      await Promise.race([gone, new Promise((_, reject) => setTimeout(() => reject(new Error('still connected')), BOUND_MS))]);
    });

    it("a removed app: its sessions' sockets are disconnected and its agents stop hearing its queue", async () => {
      const { f } = world;
      const [kept, removed] = [await f.app(), await f.app()];
      const agent = await f.agent({ identifies: [kept, removed] });
      const user = await f.user({ identify: removed });
      await connect(agent.session);
      const userSocket = await connect(user.session);
      const gone = new Promise<void>((resolve) => userSocket.socket.once('disconnect', () => resolve()));
      await change(['app:delete', '--identify', removed], () => world.admin.delete(`/v1/admin/apps/${removed}`, adminHeaders));
      await Promise.race([gone, new Promise((_, reject) => setTimeout(() => reject(new Error('user socket still connected')), BOUND_MS))]);
      await eventually(async () => !(await roomsOf(world.home, agent.session)).has(`queue:${removed}`), 'the removed queue room to be left', BOUND_MS);
      assert.ok((await roomsOf(world.home, agent.session)).has(`queue:${kept}`));
    });
  });
}

after(async () => redis?.stop());
