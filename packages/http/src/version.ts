/** This package's version, shown in the OpenAPI document. */
export const SWITCHYARD_HTTP_VERSION = '0.1.0';
