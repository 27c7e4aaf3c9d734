/** The build's SOURCE_DATE_EPOCH the image-commit rows expect (the context's files must be newer). */
export const BUILD_EPOCH = 1_700_000_000;
