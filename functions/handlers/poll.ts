// Placeholder: replaced by the real scheduled poll handler.
export const handler = async (): Promise<void> => {};
