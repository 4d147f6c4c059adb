// Authorizer port: who is calling, from the credentials a request carries.

export interface Principal {
  /** Stable id of the caller; every upload and image belongs to one owner. */
  owner: string;
}

export interface Credentials {
  bearerToken?: string;
  sessionToken?: string;
}

export interface Authorizer {
  /** The caller, or null when the credentials are missing or invalid. */
  authenticate(credentials: Credentials): Promise<Principal | null>;
}
