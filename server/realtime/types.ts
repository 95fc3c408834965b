/** The typed Socket.IO server and socket of a kefu node: the shared event maps plus the events between nodes. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '../../shared/events.js';
import type { Room } from '../../shared/rooms.js';
import type { MessageRecord } from '../stores/types.js';

/**
 * Events between nodes, over the adapter. Nodes share state through the store; the one exception
 * is presenting a media message per origin (publisher.ts), which each node does for its own sockets.
 */
export interface InterServerEvents {
  'kefu:present-message': (payload: { targets: Room[]; questionId: string; message: MessageRecord }) => void;
}

export type KefuServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type KefuSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
