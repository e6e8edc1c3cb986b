import type { Context } from 'koa';
import type { Services } from '../services.js';

/** The pending interaction of this browser and the client that asked for it. */
export async function interactionDetails(provider: Services['provider'], ctx: Context) {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const client = await provider.Client.find(String(interaction.params.client_id));
  if (!client) ctx.throw(400, 'unknown client');
  return { interaction, client: client! };
}

export type InteractionDetails = Awaited<ReturnType<typeof interactionDetails>>;
