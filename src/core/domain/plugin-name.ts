/** Name rule shared by trainables and dataset plug-ins (they become MLflow params and file names). */
export const PLUGIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
