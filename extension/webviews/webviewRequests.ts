// What the webviews may ask the extension host to do: one handler per request method of the protocol
// (webview/protocol.ts), checked by the compiler to cover every method, and one dispatch for both views.
import * as vscode from 'vscode';
import type { RequestBody } from '../../webview/protocol.js';
import { saveLogs } from '../logs/saveLogs.js';

type Method = RequestBody['method'];
type RequestOf<M extends Method> = Extract<RequestBody, { method: M }>;

/** Where a request came from: the device it is about (a log panel's, else the push target), and the log panel's
 *  own actions when it came from one. */
export interface RequestContext {
  address: string | undefined;
  clearLogs?: () => void;
}

export type RequestHandlers = { [M in Method]: (body: RequestOf<M>, ctx: RequestContext) => PromiseLike<unknown> | void };

export function dispatchRequest(handlers: RequestHandlers, body: RequestBody, ctx: RequestContext): PromiseLike<unknown> | void {
  const handler = handlers[body.method] as (b: RequestBody, c: RequestContext) => PromiseLike<unknown> | void;
  return handler(body, ctx);
}

const command = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args);

/** The extension's handlers: buttons run the same commands as the palette. */
export const webviewRequestHandlers: RequestHandlers = {
  push: (_b, c) => command('edgepush.push', c.address),
  showLogs: (_b, c) => command('edgepush.showLogs', c.address),
  toggleLivepush: () => command('edgepush.toggleLivepush'),
  restartService: (b, c) => (c.address ? command('edgepush.restartService', { address: c.address, service: b.service }) : undefined),
  clearLogs: (_b, c) => c.clearLogs?.(),
  copyText: (b) => vscode.env.clipboard.writeText(b.text),
  saveLogs: (b, c) => (c.address ? saveLogs(c.address, b.text) : undefined),
};
