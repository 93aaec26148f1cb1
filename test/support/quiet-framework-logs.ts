import { Logger } from '@nestjs/common';

/**
 * The services under test log through their own loggers, silent unless TEST_LOG_LEVEL asks. Nest's
 * static logger is another path: @nestjs/typeorm warns through it when several services of one
 * test process register their data sources, which a production process never does. It would print
 * straight to the terminal, around Jest's report, so it follows TEST_LOG_LEVEL too.
 */
if (!process.env.TEST_LOG_LEVEL || process.env.TEST_LOG_LEVEL === 'silent') Logger.overrideLogger(false);
