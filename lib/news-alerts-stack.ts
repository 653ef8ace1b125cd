/**
 * What bin/app.ts and the tests import: the two stacks of news-alerts, the app that joins them,
 * and the settings the functions read. Each lives in its own module; this one only gathers them.
 */
export * from './deployment-config';
export * from './news-alerts-app';
export * from './news-alerts-stateful-stack';
export * from './news-alerts-stateless-stack';
export * from './schedules';
