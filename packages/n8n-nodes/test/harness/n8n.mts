/**
 * A small in-process n8n: loads the BUILT package through its package.json `n8n` block (as n8n
 * does), and runs its nodes with n8n-core's real execution engine, binary-data service and
 * node contexts. Only what an n8n instance would read from its database (credentials, URLs) is
 * provided here. Import this module before anything else of n8n: it points n8n's user folder at
 * a temp dir first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const userFolder = mkdtempSync(join(tmpdir(), 'n8n-harness-'));
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';

// CommonJS, as n8n loads them: the package's dist requires the same instances (instanceof works).
const require = createRequire(import.meta.url);
const { Container } = require('@n8n/di') as typeof import('@n8n/di');
const core = require('n8n-core') as typeof import('n8n-core');
const workflowLib = require('n8n-workflow') as typeof import('n8n-workflow');

type Workflow = InstanceType<typeof workflowLib.Workflow>;
type INode = import('n8n-workflow').INode;
type INodeType = import('n8n-workflow').INodeType;
type INodeExecutionData = import('n8n-workflow').INodeExecutionData;
type IDataObject = import('n8n-workflow').IDataObject;
type IRun = import('n8n-workflow').IRun;
type Additional = import('n8n-workflow').IWorkflowExecuteAdditionalData;

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const { NodeApiError, NodeOperationError } = workflowLib;

/** Credentials by type, as plain data (what n8n would decrypt from its database). */
export type CredentialStore = Record<string, IDataObject>;

type CredentialType = import('n8n-workflow').ICredentialType;
type RequestOptions = import('n8n-workflow').IHttpRequestOptions;

/**
 * What n8n's CredentialsHelper does for a request "with authentication", minus the database:
 * credentials are plain data by type; declarative `authenticate` properties are resolved as
 * expressions over `$credentials`; `preAuthentication` fills an empty (or expired) expirable
 * field, as n8n does before the first request with a credential such as an access token.
 */
class PlainCredentialsHelper extends workflowLib.ICredentialsHelper {
  constructor(
    private readonly store: CredentialStore,
    private readonly types: Map<string, CredentialType>,
  ) {
    super();
  }
  getParentTypes(): string[] {
    return [];
  }
  isCredentialUsableByNode(): boolean {
    return true;
  }
  async authenticate(
    credentials: import('n8n-workflow').ICredentialDataDecryptedObject,
    typeName: string,
    options: RequestOptions,
    workflow: Workflow,
    node: INode,
  ) {
    const authenticate = this.types.get(typeName)?.authenticate;
    if (typeof authenticate === 'function') return authenticate(credentials, options);
    if (authenticate?.type !== 'generic') return options;
    const resolve = (value: unknown) =>
      workflowLib.isExpression(value)
        ? String(
            workflow.expression.getSimpleParameterValue(
              node,
              value as string,
              'internal',
              { $credentials: credentials } as never,
              undefined,
              '',
            ) ?? '',
          )
        : value;
    const out = options as unknown as Record<string, Record<string, unknown>>;
    for (const [outer, values] of Object.entries(authenticate.properties)) {
      out[outer] ??= {};
      for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        out[outer]![String(resolve(key))] = resolve(value);
      }
    }
    return options;
  }
  async preAuthentication(
    helpers: import('n8n-workflow').IHttpRequestHelper,
    credentials: import('n8n-workflow').ICredentialDataDecryptedObject,
    typeName: string,
    _node: INode,
    expired: boolean,
  ) {
    const type = this.types.get(typeName);
    const expirable = type?.properties.find(
      (p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
    );
    if (!type?.preAuthentication || !expirable) return undefined;
    if (credentials[expirable.name] && !expired) return undefined;
    const output = await type.preAuthentication.call(helpers, credentials);
    return Object.assign(credentials, output);
  }
  async runPreAuthentication() {
    return undefined;
  }
  async getCredentials(): Promise<never> {
    throw new Error('not used by the harness');
  }
  async getDecrypted(_a: Additional, _n: unknown, type: string) {
    const data = this.store[type];
    if (!data) throw new Error(`no credential of type ${type} in the harness`);
    return { ...data } as import('n8n-workflow').ICredentialDataDecryptedObject;
  }
  async updateCredentials() {}
  async updateCredentialsOauthTokenData() {}
  getCredentialsProperties() {
    return [];
  }
}

export interface Harness {
  nodeTypes: Map<string, INodeType>;
  /** Runs one node of the package on the given input items (manual mode). */
  runNode(
    type: string,
    parameters: IDataObject,
    input: INodeExecutionData[],
    options?: { continueOnFail?: boolean; typeVersion?: number },
  ): Promise<{ items: INodeExecutionData[]; error?: Error & { description?: string } }>;
  /** A poller bound to one trigger node and one workflow (whose static data persists). */
  poller(
    type: string,
    parameters: IDataObject,
    options?: {
      typeVersion?: number;
      /**
       * The workflow's static data as saved (JSON), as n8n loads it after a restart or a
       * re-activation: the Workflow wraps it in its change-tracking proxy.
       */
      savedStaticData?: IDataObject;
    },
  ): {
    poll(mode?: 'trigger' | 'manual'): Promise<INodeExecutionData[] | null>;
    staticData(): IDataObject;
    /** The workflow's whole static data as n8n saves it to its database (JSON). */
    savedStaticData(): IDataObject;
  };
  /**
   * Calls a `methods.listSearch` method as the editor does for a Resource Locator's "From list":
   * a load-options context over a node with `parameters` (also the "current" parameters).
   */
  listSearch(
    type: string,
    method: string,
    parameters: IDataObject,
    filter?: string,
    paginationToken?: string,
    options?: { typeVersion?: number },
  ): Promise<import('n8n-workflow').INodeListSearchResult>;
  /** Stores a buffer as n8n binary data (filesystem mode), as an upstream node would. */
  binary(
    data: Buffer,
    fileName: string,
    mimeType?: string,
  ): Promise<import('n8n-workflow').IBinaryData>;
  /** Reads binary data back as a buffer. */
  readBinary(data: import('n8n-workflow').IBinaryData): Promise<Buffer>;
  webhookContext(type: string, parameters: IDataObject, req: unknown, res: unknown): unknown;
  /**
   * One active workflow whose webhook trigger receives requests as n8n's production webhook
   * server (`LiveWebhooks`) hands them over: per request the workflow is built anew from the
   * static data last saved to "the database", the node's `webhook()` runs, and the static data
   * is saved afterwards if the node changed it (asynchronously, as a database write is). So
   * concurrent requests see the same stale static data, as they do in n8n.
   */
  webhookEndpoint(
    type: string,
    parameters: IDataObject,
    mode?: 'webhook' | 'manual',
  ): {
    receive(req: unknown, res: unknown): Promise<import('n8n-workflow').IWebhookResponseData>;
    savedStaticData(): IDataObject;
  };
  /**
   * Runs a credential type's `test` request as n8n's CredentialsTester does ("Test" in the
   * credential dialog): a temporary node routes the request, authenticated with `data`.
   */
  testCredential(
    type: string,
    data: IDataObject,
  ): Promise<{ status: 'OK' | 'Error'; message: string }>;
  close(): void;
}

export async function createHarness(credentials: CredentialStore): Promise<Harness> {
  const binaryDataService = Container.get(core.BinaryDataService);
  await binaryDataService.init();

  const loader = new core.PackageDirectoryLoader(PACKAGE_DIR);
  await loader.loadAll();
  const nodeTypes = new Map<string, INodeType>();
  for (const [name, data] of Object.entries(loader.nodeTypes)) {
    nodeTypes.set(name, data.type as INodeType);
    nodeTypes.set(`${loader.packageName}.${name}`, data.type as INodeType);
  }
  const registry = {
    getByName: (name: string) => required(nodeTypes, name),
    getByNameAndVersion: (name: string) => required(nodeTypes, name),
    getKnownTypes: () => ({}),
  };
  const credentialTypes = new Map<string, CredentialType>(
    Object.entries(loader.credentialTypes).map(([name, data]) => [
      name,
      data.type as CredentialType,
    ]),
  );

  const additionalData = (workflowId: string): Additional =>
    ({
      credentialsHelper: new PlainCredentialsHelper(credentials, credentialTypes),
      executeWorkflow: async () => {
        throw new Error('not supported');
      },
      getRunExecutionData: async () => undefined,
      getRuntimeCredential: async () => undefined,
      currentNodeExecutionIndex: 0,
      restApiUrl: 'http://127.0.0.1:5678/rest',
      instanceBaseUrl: 'http://127.0.0.1:5678',
      formBaseUrl: 'http://127.0.0.1:5678/form',
      formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
      formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
      webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
      webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
      webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
      mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
      mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
      variables: {},
      workflowId,
      executionId: `exec-${Math.random().toString(16).slice(2)}`,
      logAiEvent: () => {},
    }) as unknown as Additional;

  let counter = 0;
  const workflowOf = (node: INode, staticData: IDataObject = {}): Workflow =>
    new workflowLib.Workflow({
      id: `wf${++counter}`,
      name: 'harness',
      nodes: [node],
      connections: {},
      active: false,
      nodeTypes: registry as never,
      staticData: structuredClone(staticData),
      settings: { executionOrder: 'v1' },
    });
  /** Version 1 unless asked: the existing tests run workflows as they were saved before 2. */
  const nodeOf = (
    type: string,
    parameters: IDataObject,
    continueOnFail = false,
    typeVersion = 1,
  ): INode => {
    const full = type.includes('.') ? type : `${loader.packageName}.${type}`;
    const base: INode = {
      id: 'node-under-test',
      name: 'Under Test',
      type: full,
      typeVersion,
      position: [0, 0],
      parameters: parameters as never,
      credentials: {
        gencoveApi: { id: '1', name: 'Gencove API' },
        gencoveEmailApi: { id: '2', name: 'Gencove e-mail' },
        gencoveWebhookSecretApi: { id: '3', name: 'Gencove webhook secret' },
      },
      ...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
    };
    // n8n fills in defaults of parameters that are not set, as the editor would.
    const nodeType = required(nodeTypes, full);
    base.parameters = workflowLib.NodeHelpers.getNodeParameters(
      nodeType.description.properties,
      base.parameters,
      true,
      false,
      base,
      nodeType.description,
    ) as never;
    return base;
  };

  return {
    nodeTypes,
    async runNode(type, parameters, input, options = {}) {
      const node = nodeOf(type, parameters, options.continueOnFail, options.typeVersion);
      const workflow = workflowOf(node);
      const data = additionalData(workflow.id);
      data.hooks = new core.ExecutionLifecycleHooks('manual', data.executionId!, {
        id: workflow.id,
        name: 'harness',
        nodes: [node],
        connections: {},
      } as never);
      const runData = workflowLib.createRunExecutionData({
        executionData: {
          nodeExecutionStack: [
            { node, data: { main: [input.length > 0 ? input : [{ json: {} }]] }, source: null },
          ],
        },
      });
      const run: IRun = await new core.WorkflowExecute(
        data,
        'manual',
        runData,
      ).processRunExecutionData(workflow);
      const taskData = run.data.resultData.runData[node.name]?.[0];
      const error = (run.data.resultData.error ?? taskData?.error) as
        | (Error & { description?: string })
        | undefined;
      const items = taskData?.data?.main?.[0] ?? [];
      return { items, ...(error ? { error } : {}) };
    },
    poller(type, parameters, options = {}) {
      const node = nodeOf(type, parameters, false, options.typeVersion);
      const workflow = workflowOf(node, options.savedStaticData);
      const nodeType = required(nodeTypes, node.type);
      return {
        async poll(mode = 'trigger') {
          const ctx = new core.PollContext(
            workflow,
            node,
            additionalData(workflow.id),
            mode,
            mode === 'manual' ? 'manual' : 'activate',
          );
          const result = await nodeType.poll!.call(ctx as never);
          return result ? (result[0] ?? []) : null;
        },
        staticData: () => workflow.getStaticData('node', node),
        savedStaticData: () => JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject,
      };
    },
    async listSearch(type, method, parameters, filter, paginationToken, options = {}) {
      const node = nodeOf(type, parameters, false, options.typeVersion);
      const workflow = workflowOf(node);
      const data = additionalData(workflow.id);
      data.currentNodeParameters = node.parameters;
      const search = required(nodeTypes, node.type).methods?.listSearch?.[method];
      if (!search) throw new Error(`${type} has no listSearch method ${method}`);
      const ctx = new core.LoadOptionsContext(workflow, node, data, 'parameters');
      return search.call(ctx as never, filter, paginationToken);
    },
    async binary(data, fileName, mimeType = 'application/gzip') {
      const stored = await binaryDataService.store(
        { type: 'execution', workflowId: 'harness', executionId: 'upstream' } as never,
        data,
        { data: '', mimeType, fileName, fileSize: String(data.length) } as never,
      );
      return stored;
    },
    async readBinary(data) {
      return binaryDataService.getAsBuffer(data);
    },
    webhookContext(type, parameters, req, res) {
      const node = nodeOf(type, parameters);
      const workflow = workflowOf(node);
      const data = additionalData(workflow.id);
      data.httpRequest = req as never;
      data.httpResponse = res as never;
      return new core.WebhookContext(
        workflow,
        node,
        data,
        'webhook',
        { httpMethod: 'POST', path: 'gencove', node: node.name, webhookDescription: {} } as never,
        [],
        null,
      );
    },
    webhookEndpoint(type, parameters, mode = 'webhook') {
      const node = nodeOf(type, parameters);
      const workflowId = `wf${++counter}`;
      const nodeType = required(nodeTypes, node.type);
      let saved = '{}';
      return {
        async receive(req, res) {
          await new Promise((r) => setImmediate(r)); // the database read
          const workflow = new workflowLib.Workflow({
            id: workflowId,
            name: 'harness',
            nodes: [node],
            connections: {},
            active: true,
            nodeTypes: registry as never,
            staticData: JSON.parse(saved) as IDataObject,
            settings: { executionOrder: 'v1' },
          });
          const data = additionalData(workflow.id);
          data.httpRequest = req as never;
          data.httpResponse = res as never;
          const ctx = new core.WebhookContext(
            workflow,
            node,
            data,
            mode,
            {
              httpMethod: 'POST',
              path: 'gencove',
              node: node.name,
              webhookDescription: {},
            } as never,
            [],
            null,
          );
          const result = await nodeType.webhook!.call(ctx as never);
          if (workflow.staticData.__dataChanged === true) {
            const snapshot = JSON.stringify(workflow.staticData);
            await new Promise((r) => setImmediate(r)); // the database write
            saved = snapshot;
          }
          return result;
        },
        savedStaticData: () => JSON.parse(saved) as IDataObject,
      };
    },
    async testCredential(type, data) {
      const credentialType = credentialTypes.get(type);
      if (!credentialType?.test) throw new Error(`credential type ${type} has no test request`);
      // as CredentialsTester.runRequestTest: a no-op node whose one property routes the request
      const tempType = {
        description: {
          displayName: 'Temp',
          name: 'n8n-nodes-base.noOp',
          group: ['transform'],
          version: 1,
          description: '',
          defaults: {},
          inputs: ['main'],
          outputs: ['main'],
          credentials: [{ name: type, required: true }],
          properties: [
            {
              displayName: 'Temp',
              name: 'temp',
              type: 'string',
              routing: { request: credentialType.test.request },
              default: '',
            },
          ],
        },
      } as unknown as INodeType;
      const node: INode = {
        id: 'temp',
        name: 'Temp-Node',
        type: 'n8n-nodes-base.noOp',
        typeVersion: 1,
        position: [0, 0],
        parameters: {},
        credentials: { [type]: { id: 'under-test', name: 'Under test' } },
      };
      const workflow = new workflowLib.Workflow({
        nodes: [node],
        connections: {},
        active: false,
        nodeTypes: {
          getByName: () => tempType,
          getByNameAndVersion: () => tempType,
          getKnownTypes: () => ({}),
        } as never,
      });
      const extra = additionalData(String(workflow.id));
      extra.credentialsHelper = new PlainCredentialsHelper({ [type]: data }, credentialTypes);
      const context = new core.ExecuteContext(
        workflow,
        node,
        extra,
        'internal',
        workflowLib.createEmptyRunExecutionData(),
        0,
        [],
        { main: [[{ json: {} }]] },
        { node, data: {}, source: null },
        [],
      );
      const routing = new core.RoutingNode(context, tempType, {
        id: 'under-test',
        name: 'Under test',
        type,
        data: { ...data },
      } as never);
      await workflow.expression.acquireIsolate();
      try {
        await routing.runNode();
        return { status: 'OK', message: 'Connection successful!' };
      } catch (error) {
        const cause = (error as { cause?: { response?: { status?: number } } }).cause;
        const status = cause?.response?.status;
        return {
          status: 'Error',
          message: status ? `Received HTTP status code: ${status}` : (error as Error).message,
        };
      } finally {
        await workflow.expression.releaseIsolate();
      }
    },
    close() {
      rmSync(userFolder, { recursive: true, force: true });
    },
  };
}

function required<T>(map: Map<string, T>, name: string): T {
  const value = map.get(name);
  if (!value)
    throw new Error(`node type ${name} is not loaded (have ${[...map.keys()].join(', ')})`);
  return value;
}
