// /v1/files: streamed uploads (size limit, PDF structure, quota), downloads with Range and ETag,
// deletes. Someone else's file is a 404, same as a missing one.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { batchPerTurn } from '../../core/batch.js';
import { HttpError } from '../../core/errors.js';
import { audit, blobReferenced, deleteFile, getFile, getUsageBytesOf, insertUploadedFile, type FileRow } from '../../core/repo.js';
import type { ApiDeps } from '../deps.js';
import { parseRange } from '../range.js';
import { findPdfStructureProblem, type ReadWindow } from '../../core/pdf/structure.js';
import { binary, empty, errorSchema, fileSchema, idParams } from '../schemas.js';
import type { StoredBlob } from '../../core/storage.js';

// A stored file is user content: a browser must neither guess another type for it nor run it
// with this origin's rights (a PDF viewer's scripts, or HTML served as a "PDF").
export const DOWNLOAD_HEADERS = { 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox' } as const;
const COUNT_PAGES_MAX_BYTES = 64 * 1024 * 1024;
const notFound = () => new HttpError(404, 'not_found', 'file not found');

export function registerFileRoutes(app: FastifyInstance, d: ApiDeps): void {
  // The quota checks of one turn's uploads (a burst of clients starting at once) in one query.
  const usageOf = batchPerTurn((userIds) => getUsageBytesOf(d.pool, userIds));
  app.post(
    '/v1/files',
    {
      config: { bucket: 'upload', write: true },
      schema: {
        summary: 'Upload a PDF (application/pdf body or multipart/form-data with one file)',
        tags: ['files'],
        response: { 201: fileSchema, 400: errorSchema, 401: errorSchema, 413: errorSchema, 415: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      const used = (await usageOf(req.userId)) ?? 0;
      const declared = Number(req.headers['content-length']) || 0;
      if (used + declared > d.cfg.storageQuotaBytes) throw quotaError(used, d.cfg.storageQuotaBytes);
      const { stream, filename } = await openUpload(req, d.cfg.maxUploadBytes);
      const blob = await d.store.put(stream, d.cfg.maxUploadBytes);
      const problem = await findPdfStructureProblem(blob.bytes, windowOf(d, blob));
      if (problem) {
        await removeIfUnused(d, blob.sha256);
        throw new HttpError(415, 'unsupported_media_type', `not a PDF: ${problem}`);
      }
      if (used + blob.bytes > d.cfg.storageQuotaBytes) {
        await removeIfUnused(d, blob.sha256);
        throw quotaError(used, d.cfg.storageQuotaBytes);
      }
      // Pages are counted on a copy in memory: past COUNT_PAGES_MAX_BYTES that copy would make the
      // API's memory grow with the upload, so a larger file is stored with pages unknown (null).
      const pages = blob.content || blob.bytes <= COUNT_PAGES_MAX_BYTES ? await countPages(d, blob.content ?? (await d.store.read(blob.sha256))) : null;
      const row = await insertUploadedFile(d.pool, { userId: req.userId, sha256: blob.sha256, bytes: blob.bytes, pages, filename });
      req.log.info({ userId: req.userId, fileId: row.id, bytes: blob.bytes }, 'file uploaded');
      return reply.code(201).send(toFile(row));
    },
  );

  app.get(
    '/v1/files/:id',
    {
      config: { bucket: 'request' },
      schema: {
        summary: 'Download a file (supports Range and If-None-Match)',
        tags: ['files'],
        params: idParams,
        response: { 200: binary, 206: binary, 304: empty, 404: errorSchema, 416: errorSchema },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const file = await getFile(d.pool, req.userId, id);
      if (!file) throw notFound();
      const etag = `"${file.sha256}"`;
      reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=0').headers(DOWNLOAD_HEADERS);
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      const range = req.headers.range ? parseRange(req.headers.range, file.bytes) : null;
      const ifRange = req.headers['if-range'];
      if (range === 'unsatisfiable') {
        return reply.code(416).header('content-range', `bytes */${file.bytes}`).send({ error: 'range_not_satisfiable', message: 'range outside the file' });
      }
      reply.type('application/pdf').header('content-disposition', `attachment; filename="${safeName(file.filename ?? `${file.id}.pdf`)}"`);
      if (range && (!ifRange || ifRange === etag)) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.bytes}`).header('content-length', range.end - range.start + 1);
        return reply.send(await d.store.stream(file.sha256, range));
      }
      reply.header('content-length', file.bytes);
      return reply.send(await d.store.stream(file.sha256));
    },
  );

  app.delete(
    '/v1/files/:id',
    {
      config: { bucket: 'request', write: true },
      schema: { summary: 'Delete a file', tags: ['files'], params: idParams, response: { 204: empty, 404: errorSchema } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const res = await deleteFile(d.pool, req.userId, id);
      if (!res.deleted) throw notFound();
      // The blob itself goes only after the grace period (backups taken meanwhile stay restorable).
      await audit(d.pool, req.userId, 'file.delete', id, { blobTombstoned: res.tombstoned });
      return reply.code(204).send();
    },
  );
}

async function openUpload(req: FastifyRequest, maxBytes: number): Promise<{ stream: Readable; filename: string | null }> {
  if (req.isMultipart()) {
    const part = await req.file({ limits: { fileSize: maxBytes, files: 1 } });
    if (!part) throw new HttpError(400, 'bad_request', 'multipart upload without a file part', {}, 'file');
    return { stream: part.file, filename: part.filename || null };
  }
  const name = req.headers['x-filename'];
  return { stream: req.raw, filename: typeof name === 'string' ? name.slice(0, 200) : null };
}

/** Counts pages on the PDF thread; `bytes` is handed over (transferred), not copied. */
async function countPages(d: ApiDeps, bytes: Uint8Array): Promise<number | null> {
  const reply = await d.pdf.run({ kind: 'count', input: bytes }, [bytes.buffer as ArrayBuffer]).catch(() => null);
  return reply?.ok && reply.pages.length ? reply.pages[0] : null;
}

/** Windows of a stored upload: from memory when it was kept there, else ranged reads of the store. */
function windowOf(d: ApiDeps, blob: StoredBlob): ReadWindow {
  const content = blob.content;
  if (content) return async (start, end) => content.subarray(start, end);
  return async (start, end) => (end <= start ? new Uint8Array(0) : buffer(await d.store.stream(blob.sha256, { start, end: end - 1 })));
}

async function removeIfUnused(d: ApiDeps, sha: string): Promise<void> {
  if (!(await blobReferenced(d.pool, sha))) await d.store.remove(sha);
}

function quotaError(used: number, quota: number): HttpError {
  return new HttpError(413, 'quota_exceeded', `storage quota exceeded: ${used} of ${quota} bytes used; delete files first`);
}

function safeName(name: string): string {
  return name.replace(/[^\w.\- ]/g, '_');
}

export function toFile(row: FileRow) {
  return { id: row.id, sha256: row.sha256, bytes: Number(row.bytes), pages: row.pages, filename: row.filename, createdAt: row.created_at.toISOString() };
}
