// The gcs sink is being built (issue 6); nothing is exported yet.
export {};
