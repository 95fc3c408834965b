/** /question/*: asking, the queue, the transitions, messages. */
import { Router } from 'express';
import { MESSAGE_TYPE, STATUS } from '../../../shared/limits.js';
import {
  agentActionInput,
  questionListInput,
  questionMessagesInput,
  questionNewInput,
  sendAudioInput,
  sendImageInput,
  sendTextInput,
  userActionInput,
} from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { messagePoster } from '../../domain/commands/messagePoster.js';
import { questionCreator } from '../../domain/commands/questionCreator.js';
import { questionTransitioner } from '../../domain/commands/questionTransitioner.js';
import { presentMessage, mediaUrl } from '../../domain/presenters.js';
import { listMessages, listQueue } from '../../domain/queries.js';
import type { TransitionName } from '../../domain/stateMachine.js';
import { intakeAudio } from '../../media/audioIntake.js';
import { intakeImage } from '../../media/imageIntake.js';
import { storeMedia } from '../../media/mediaStorage.js';
import type { RequestHandler } from 'express';
import { baseUrlOf, ok } from '../reply.js';
import { actorOf, authenticate } from '../session.js';
import { input } from '../validate.js';

export function questionsRouter(deps: Deps, limits: { send: RequestHandler }): Router {
  const router = Router();
  const auth = authenticate(deps);

  router.post('/question/new', auth, async (req, res) => {
    const params = input(req, questionNewInput);
    const question = await questionCreator(deps, {
      actor: actorOf(res),
      title: params.title ?? '',
      labels: params.label ?? [],
      baseUrl: baseUrlOf(deps.config, req),
    });
    ok(res, { question_id: question.id, question: { id: question.id, status: STATUS.pending } });
  });

  router.get('/question/list', auth, async (req, res) => {
    ok(res, { questions: await listQueue(deps, actorOf(res), input(req, questionListInput)) });
  });

  const agentTransitions: Array<[string, TransitionName]> = [
    ['serve', 'serve'],
    ['quit', 'quit'],
    ['finish', 'finish'],
    ['request_finish', 'requestFinish'],
  ];
  for (const [path, name] of agentTransitions) {
    router.post(`/question/:question_id/${path}`, auth, async (req, res) => {
      const params = input(req, agentActionInput);
      const { notice } = await questionTransitioner(deps, {
        name,
        questionId: params.question_id,
        actor: actorOf(res),
        servId: params.serv_id,
        baseUrl: baseUrlOf(deps.config, req),
      });
      ok(res, { message_id: notice.id });
    });
  }

  const userTransitions: Array<[string, TransitionName]> = [
    ['reopen', 'reopen'],
    ['confirm_finish', 'confirmFinish'],
  ];
  for (const [path, name] of userTransitions) {
    router.post(`/question/:question_id/${path}`, auth, async (req, res) => {
      const params = input(req, userActionInput);
      const { notice } = await questionTransitioner(deps, {
        name,
        questionId: params.question_id,
        actor: actorOf(res),
        baseUrl: baseUrlOf(deps.config, req),
      });
      ok(res, { message_id: notice.id });
    });
  }

  router.get('/question/:question_id/message', auth, async (req, res) => {
    const params = input(req, questionMessagesInput);
    ok(res, { messages: await listMessages(deps, actorOf(res), params, baseUrlOf(deps.config, req)) });
  });

  router.post('/question/:question_id/message/send_text', limits.send, auth, async (req, res) => {
    const params = input(req, sendTextInput);
    const { message } = await messagePoster(deps, {
      actor: actorOf(res),
      questionId: params.question_id,
      sender: params.sender,
      senderType: params.sender_type,
      clientMsgId: params.client_msg_id,
      content: async () => ({ type: MESSAGE_TYPE.text, text: params.text, summaryText: params.text }),
      baseUrl: baseUrlOf(deps.config, req),
    });
    ok(res, { message_id: message.id });
  });

  router.post('/question/:question_id/message/send_image', limits.send, auth, async (req, res) => {
    const params = input(req, sendImageInput);
    const baseUrl = baseUrlOf(deps.config, req);
    const { message } = await messagePoster(deps, {
      actor: actorOf(res),
      questionId: params.question_id,
      sender: params.sender,
      senderType: params.sender_type,
      clientMsgId: params.client_msg_id,
      content: async () => {
        const image = await intakeImage(params.image);
        const path = await storeMedia(deps.store, 'image', image.bytes, 'image/jpeg', 'jpg');
        return { type: MESSAGE_TYPE.image, mediaPath: path, summaryText: '[image]' };
      },
      baseUrl,
    });
    ok(res, { message_id: message.id, image_url: presentMessageUrl(message, baseUrl) });
  });

  router.post('/question/:question_id/message/send_audio', limits.send, auth, async (req, res) => {
    const params = input(req, sendAudioInput);
    const baseUrl = baseUrlOf(deps.config, req);
    const { message } = await messagePoster(deps, {
      actor: actorOf(res),
      questionId: params.question_id,
      sender: params.sender,
      senderType: params.sender_type,
      clientMsgId: params.client_msg_id,
      content: async () => {
        const audio = intakeAudio(params.audio);
        const path = await storeMedia(deps.store, 'audio', audio.bytes, audio.format.contentType, audio.format.ext);
        return { type: MESSAGE_TYPE.audio, mediaPath: path, audioLen: params.audio_len, summaryText: '[audio]' };
      },
      baseUrl,
    });
    ok(res, { message_id: message.id, audio_url: presentMessageUrl(message, baseUrl) });
  });

  return router;
}

/** The media URL of a message as stored (a duplicate retry returns the first message's URL). */
function presentMessageUrl(message: Parameters<typeof presentMessage>[0], baseUrl: string): string {
  return mediaUrl(baseUrl, message.mediaPath ?? '');
}
