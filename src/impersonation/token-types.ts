/** Token type and grant URIs (PROTOCOL §2): the one place they are spelled. */
export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_USER_ID = 'urn:gatehouse:token-type:user-id';
export const TOKEN_TYPE_SUPPORT_ACCESS_CODE = 'urn:gatehouse:token-type:support-access-code';
export const TOKEN_TYPE_IMPERSONATION_TICKET = 'urn:gatehouse:token-type:impersonation-ticket';
