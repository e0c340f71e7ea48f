import type { GencoveClient } from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/** One operation on one input item; the router adds `pairedItem` and error handling. */
export type ItemOperation = (
  ctx: IExecuteFunctions,
  client: GencoveClient,
  operation: string,
  itemIndex: number,
  signal: AbortSignal | undefined,
) => Promise<INodeExecutionData[]>;

/** An operation over every input item at once (uploads share one destination and assignment). */
export type BatchOperation = (
  ctx: IExecuteFunctions,
  client: GencoveClient,
  items: INodeExecutionData[],
  signal: AbortSignal | undefined,
) => Promise<INodeExecutionData[]>;
