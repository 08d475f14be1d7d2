/** The API's password rules (schema.graphql, SignupInput.password), for hints and quick checks. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
