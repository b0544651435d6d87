/**
 * Turns an `/invocations` request body into the served model's raw inputs, by its media type:
 * - `application/json`: tensors of the model's input signature (src/serving/decode-json.ts);
 * - `image/png`, `image/jpeg` (`image/jpg`), `application/x-image` (PNG or JPEG, recognised by its
 *   magic bytes): one image, when the model's single input is an H×W×C image and its preprocessing
 *   is known (src/serving/decode-image.ts); never resized.
 */
import { decodeImage, sniffImage } from './decode-image.js';
import { decodeJsonRequest, type DecodedRequest } from './decode-json.js';
import { ServingError } from './errors.js';
import type { ServedModel } from './served-model.js';

export type { DecodedRequest, RawInput, RawValues } from './decode-json.js';

/** Media types `/invocations` accepts, for error messages and docs. */
export const ACCEPTED_CONTENT_TYPES = [
  'application/json',
  'image/png',
  'image/jpeg',
  'application/x-image',
] as const;

/** Options of {@link decodeInvocation}. */
export interface DecodeInvocationOptions {
  /** The raw request body. */
  body: Buffer;
  /** The request's `Content-Type` header, parameters (e.g. `; charset=utf-8`) allowed. */
  contentType: string | undefined;
  /** Most examples one request may hold. */
  maxBatch: number;
  /** What the model takes. */
  served: ServedModel;
}

/** Decodes and validates one request body. @throws ServingError with a code saying what was wrong. */
export function decodeInvocation(options: DecodeInvocationOptions): DecodedRequest {
  const { served } = options;
  const accepted = served.image ? ACCEPTED_CONTENT_TYPES : (['application/json'] as const);
  const mediaType = (options.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!mediaType) {
    throw new ServingError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `missing Content-Type header; send one of ${accepted.join(', ')}`,
    );
  }
  const isImageType = mediaType !== 'application/json';
  if (!(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(mediaType) && mediaType !== 'image/jpg') {
    throw new ServingError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `Content-Type "${mediaType}" is not supported; send one of ${accepted.join(', ')}`,
    );
  }
  if (isImageType && !served.image) {
    throw new ServingError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `this model takes no image bodies (${served.imageRefusal ?? 'no image input'}); send application/json`,
    );
  }
  if (options.body.length === 0)
    throw new ServingError('E_EMPTY_BODY', `the request body is empty; send ${mediaType} content`);
  if (!isImageType) return decodeJsonRequest(options.body, served.inputs, options.maxBatch);

  const kind = sniffImage(options.body);
  if (mediaType === 'image/png' && kind !== 'png')
    throw new ServingError('E_BAD_IMAGE', 'the body is not a PNG image (no PNG signature)');
  if ((mediaType === 'image/jpeg' || mediaType === 'image/jpg') && kind !== 'jpeg')
    throw new ServingError('E_BAD_IMAGE', 'the body is not a JPEG image (no JPEG SOI marker)');
  if (kind === undefined) throw new ServingError('E_BAD_IMAGE', 'the body is neither a PNG nor a JPEG image');
  const image = decodeImage(options.body, kind, served.image!);
  return {
    count: 1,
    inputs: [{ values: image.pixels, shape: [image.height, image.width, image.channels] }],
  };
}
