import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { InputError } from '../shared/errors.js';

export const uploadFileField = 'file';

/** An uploaded file saved to a temporary folder, with the text fields sent beside it. */
export interface SavedUpload {
  /** Path of the saved file, named after the client's file name with unsafe characters replaced. */
  path: string;
  /** Temporary folder holding the file, removed by `withUpload`. */
  folder: string;
  /** The file name the client sent. */
  fileName: string;
  fields: Record<string, string>;
}

/**
 * Streams a multipart/form-data request to a temporary file, runs `work`
 * on it and deletes the folder afterwards, whether `work` succeeds or not.
 * The request must carry exactly one file part, named "file", and may
 * carry text fields beside it.
 */
export async function withUpload<T>(
  request: FastifyRequest,
  work: (upload: SavedUpload) => Promise<T>,
): Promise<T> {
  if (!request.isMultipart()) {
    throw new InputError(
      `expected a multipart/form-data request with the file in a part named "${uploadFileField}"`,
      'invalid_content_type',
      uploadFileField,
    );
  }
  const folder = await mkdtemp(join(tmpdir(), 'ardesk-upload-'));
  try {
    const upload = await saveParts(request, folder);
    return await work(upload);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function saveParts(request: FastifyRequest, folder: string): Promise<SavedUpload> {
  const fields: Record<string, string> = {};
  let saved: { path: string; fileName: string } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    if (part.fieldname !== uploadFileField) {
      part.file.resume();
      throw new InputError(
        `unexpected file part "${part.fieldname}": send the file in the part named "${uploadFileField}"`,
        'invalid_parameter',
        part.fieldname,
      );
    }
    const fileName = part.filename || 'upload';
    const path = join(folder, safeFileName(fileName));
    // The multipart plugin ends the stream with a 413 error past the size limit.
    await pipeline(part.file, createWriteStream(path));
    saved = { path, fileName };
  }
  if (!saved) {
    throw new InputError(
      `missing file: send it in a multipart part named "${uploadFileField}"`,
      'missing_parameter',
      uploadFileField,
    );
  }
  return { ...saved, folder, fields };
}

/** Keeps the base name's letters, digits, dot, dash and underscore. */
function safeFileName(fileName: string): string {
  const cleaned = basename(fileName.replaceAll('\\', '/')).replace(/[^\w.-]/g, '_');
  return cleaned.replace(/^\.+/, '') || 'upload';
}
