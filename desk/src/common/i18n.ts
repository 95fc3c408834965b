/**
 * The pages' two languages, zh-CN and English: picked from the browser, switchable, remembered.
 * Keys are checked at compile time (a missing translation is a type error).
 */
import { createContext, useContext } from 'react';
import { reportsEn, reportsZh } from './i18nReports.js';

export type Lang = 'en' | 'zh-CN';

const en = {
  appDesk: 'kefu desk',
  appChat: 'kefu chat',
  language: 'Language',
  signIn: 'Sign in',
  signOut: 'Sign out',
  agentId: 'Agent ID',
  password: 'Password',
  signingIn: 'Signing in…',
  wrongPassword: 'Wrong agent ID or password.',
  sessionEnded: 'Your session ended (signed out elsewhere or expired). Sign in again.',
  chatSessionInvalid: 'This link no longer works: its session has ended. Ask the app for a new one.',
  rateLimited: 'Too many attempts. Try again in {s} s.',
  genericError: 'Something went wrong: {e}',
  disconnected: 'Disconnected. Reconnecting… Messages you type are sent once the connection is back.',
  queue: 'Queue',
  mine: 'Mine',
  allApps: 'All apps',
  app: 'App',
  label: 'Label',
  filterLabel: 'Filter by label',
  emptyQueue: 'No question is waiting.',
  emptyMine: 'You are serving no question.',
  waiting: 'waiting {t}',
  loadingMore: 'Loading…',
  noMessageYet: 'No message yet',
  lastImage: '[image]',
  lastAudio: '[voice message]',
  awaitingConfirm: 'You asked whether the question is solved; waiting for the user to confirm.',
  unread: '{n} unread',
  pickQuestion: 'Pick a question from the queue or from Mine.',
  take: 'Take',
  quit: 'Quit',
  askFinish: 'Ask to finish',
  finish: 'Finish',
  back: 'Back',
  details: 'Details',
  messageInput: 'Message',
  conversation: 'Conversation',
  messageHint: 'Enter sends, Shift+Enter starts a new line',
  send: 'Send',
  noteLabel: 'Private note · agents only',
  noteMode: 'Private note',
  noteHint: 'A note for agents only: the user never sees it.',
  addNote: 'Add note',
  attachImage: 'Send an image',
  quickAnswers: 'Quick answers',
  searchAnswers: 'Search quick answers',
  insert: 'Insert',
  noAnswers: 'No quick answer matches.',
  close: 'Close',
  typing: '{who} is typing…',
  theUser: 'The user',
  theAgent: 'The agent',
  sending: 'sending…',
  queued: 'queued, sent when back online',
  refused: 'not sent: {e}',
  loadOlder: 'Loading older messages…',
  beginning: 'Beginning of the conversation',
  viewImage: 'View the image full size',
  imageAlt: 'Image from {who}',
  notice1: '{who} joined the conversation',
  notice2: '{who} left; the question is back in the queue',
  notice3: '{who} asked whether the question is solved',
  notice4: 'The question is resolved',
  notice5: 'The question timed out and was closed',
  notice6: 'The question was reopened',
  notice7: '{who} handed the question over to {to}',
  status1: 'Waiting',
  status2: 'In progress',
  status3: 'Resolved',
  userPanel: 'About the user',
  userCard: 'User card',
  otherQuestions: 'Their questions',
  readOnly: 'You are reading this conversation; you do not serve it.',
  notifications: 'Enable notifications',
  notifyQueued: 'New question: {title}',
  notifyMessage: 'New message: {text}',
  untitled: '(no title)',
  takenByOther: 'Another agent took this question.',
  // chat page
  noSession: 'Open this page with #session=…&user_id=… in its address (npm run demo prints links).',
  askTitle: 'Ask a question',
  title: 'Title',
  labels: 'Labels (comma-separated)',
  ask: 'Ask',
  myQuestions: 'My questions',
  noQuestions: 'You have not asked anything yet.',
  finishAsked: 'The agent thinks your question is solved. Is it?',
  confirmFinish: 'Yes, it is solved',
  reopen: 'Reopen',
  resolvedNote: 'This question is resolved.',
  photo: 'Send a photo',
  questionFrom: 'Question of {t}',
  you: 'You',
  presence_online: 'Online',
  presence_away: 'Away',
  presence_offline: 'Offline',
  myPresence: 'My status',
  setAway: 'Set away',
  setOnline: 'Set online',
  capacity: 'Serving {load} of {max}',
  noLimit: 'no limit',
  team: 'Team ({count} online)',
  teamList: 'Agents of my apps',
  atCapacity: 'You are serving as many questions as you may at once. Finish one first.',
  transfer: 'Transfer',
  transferTo: 'Transfer to',
  transferPick: 'Agents online with room',
  transferNone: 'No other agent of this app is online with room right now.',
  transferFull: 'That agent has just reached its limit. Pick another one.',
  transferUnavailable: 'That agent is no longer available. Pick another one.',
  transferStale: 'This question is no longer yours to hand over (it was finished or moved meanwhile).',
  ...reportsEn,
};

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  appDesk: 'kefu 客服台',
  appChat: 'kefu 在线客服',
  language: '语言',
  signIn: '登录',
  signOut: '退出登录',
  agentId: '客服账号',
  password: '密码',
  signingIn: '正在登录…',
  wrongPassword: '客服账号或密码错误。',
  sessionEnded: '您的登录已失效（已在别处退出或已过期），请重新登录。',
  chatSessionInvalid: '此链接已失效：会话已结束，请从应用中重新打开。',
  rateLimited: '尝试次数过多，请 {s} 秒后再试。',
  genericError: '出错了：{e}',
  disconnected: '连接已断开，正在重连… 您输入的消息会在恢复连接后发送。',
  queue: '待接入',
  mine: '我的会话',
  allApps: '全部应用',
  app: '应用',
  label: '标签',
  filterLabel: '按标签筛选',
  emptyQueue: '暂无等待中的问题。',
  emptyMine: '您当前没有正在处理的问题。',
  waiting: '已等待 {t}',
  loadingMore: '加载中…',
  noMessageYet: '暂无消息',
  lastImage: '[图片]',
  lastAudio: '[语音]',
  awaitingConfirm: '已询问用户问题是否解决，等待用户确认。',
  unread: '{n} 条未读',
  pickQuestion: '请从待接入或我的会话中选择一个问题。',
  take: '接入',
  quit: '退出会话',
  askFinish: '请求结束',
  finish: '结束',
  back: '返回',
  details: '详情',
  messageInput: '消息',
  conversation: '会话记录',
  messageHint: '回车发送，Shift+回车换行',
  send: '发送',
  noteLabel: '内部备注 · 仅客服可见',
  noteMode: '内部备注',
  noteHint: '仅客服可见的备注：用户永远看不到。',
  addNote: '添加备注',
  attachImage: '发送图片',
  quickAnswers: '快捷回复',
  searchAnswers: '搜索快捷回复',
  insert: '插入',
  noAnswers: '没有匹配的快捷回复。',
  close: '关闭',
  typing: '{who}正在输入…',
  theUser: '用户',
  theAgent: '客服',
  sending: '发送中…',
  queued: '排队中，恢复连接后发送',
  refused: '未发送：{e}',
  loadOlder: '正在加载更早的消息…',
  beginning: '会话开始',
  viewImage: '查看原图',
  imageAlt: '来自{who}的图片',
  notice1: '{who}已接入会话',
  notice2: '{who}已退出，问题回到待接入队列',
  notice3: '{who}询问问题是否已解决',
  notice4: '问题已解决',
  notice5: '问题超时，已自动关闭',
  notice6: '问题已重新打开',
  notice7: '{who}已将问题转交给{to}',
  status1: '等待中',
  status2: '处理中',
  status3: '已解决',
  userPanel: '用户信息',
  userCard: '用户卡片',
  otherQuestions: 'TA 的问题',
  readOnly: '您正在查看此会话，但并未负责处理。',
  notifications: '开启通知',
  notifyQueued: '新问题：{title}',
  notifyMessage: '新消息：{text}',
  untitled: '（无标题）',
  takenByOther: '该问题已被其他客服接入。',
  noSession: '请在地址中带上 #session=…&user_id=… 打开本页（npm run demo 会打印链接）。',
  askTitle: '提交问题',
  title: '标题',
  labels: '标签（用逗号分隔）',
  ask: '提交',
  myQuestions: '我的问题',
  noQuestions: '您还没有提过问题。',
  finishAsked: '客服认为您的问题已解决，是吗？',
  confirmFinish: '是的，已解决',
  reopen: '重新打开',
  resolvedNote: '此问题已解决。',
  photo: '发送照片',
  questionFrom: '{t} 的问题',
  you: '我',
  presence_online: '在线',
  presence_away: '离开',
  presence_offline: '离线',
  myPresence: '我的状态',
  setAway: '设为离开',
  setOnline: '设为在线',
  capacity: '正在接待 {load} / {max}',
  noLimit: '不限',
  team: '同事（{count} 人在线）',
  teamList: '我所在应用的客服',
  atCapacity: '您接待的问题已达上限，请先结束一个。',
  transfer: '转交',
  transferTo: '转交给',
  transferPick: '在线且有空位的客服',
  transferNone: '此应用暂无其他在线且有空位的客服。',
  transferFull: '该客服刚刚达到接待上限，请另选一位。',
  transferUnavailable: '该客服已不可用，请另选一位。',
  transferStale: '该问题已不在您名下（已结束或已转走），无法转交。',
  ...reportsZh,
};

const TABLES: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zh };
/** Where the language choice is remembered (localStorage). */
export const LANG_STORAGE_KEY = 'kefu.lang';

/** The stored choice, else the first browser language we speak, else English. */
export function pickLanguage(stored: string | null, browser: readonly string[]): Lang {
  if (stored === 'en' || stored === 'zh-CN') return stored;
  for (const tag of browser) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const table = TABLES[lang];
  return (key, vars = {}) => table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

export const LangContext = createContext<{ lang: Lang; t: Translate; setLang: (lang: Lang) => void }>({
  lang: 'en',
  t: translator('en'),
  setLang: () => {},
});

export const useT = () => useContext(LangContext);

/** "3 min", "2 h", "1 d", in either language. */
export function formatDuration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.floor(seconds));
  const units: Array<[number, string, string]> = [
    [86400, 'd', '天'],
    [3600, 'h', '小时'],
    [60, 'min', '分钟'],
  ];
  for (const [size, enUnit, zhUnit] of units) {
    if (s >= size) return lang === 'en' ? `${Math.floor(s / size)} ${enUnit}` : `${Math.floor(s / size)} ${zhUnit}`;
  }
  return lang === 'en' ? `${s} s` : `${s} 秒`;
}

export function formatTime(timestamp: number, lang: Lang): string {
  return new Date(timestamp * 1000).toLocaleString(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
