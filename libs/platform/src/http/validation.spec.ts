import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ProblemException } from './problem-details';
import { hubValidationPipe } from './validation';

class PageQuery {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(8)
  @Matches(/^[a-z]+$/)
  cursor?: string;
}

const QUERY: ArgumentMetadata = { type: 'query', metatype: PageQuery };

async function problemOf(query: Record<string, unknown>): Promise<ProblemException> {
  try {
    await hubValidationPipe().transform(query, QUERY);
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be refused`);
}

describe(hubValidationPipe.name, () => {
  it('gives one reason per field: a value of the wrong kind is not also out of range', async () => {
    const problem = await problemOf({ limit: 'abc' });
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([
      { field: 'limit', pointer: '/limit', detail: 'limit must be an integer number' },
    ]);
  });

  it('names the bound that a well-formed value breaks', async () => {
    expect((await problemOf({ limit: '0' })).errors).toEqual([
      { field: 'limit', pointer: '/limit', detail: 'limit must not be less than 1' },
    ]);
    expect((await problemOf({ limit: '501' })).errors).toEqual([
      { field: 'limit', pointer: '/limit', detail: 'limit must not be greater than 500' },
    ]);
  });

  it('reports the first broken rule of a field that breaks several, and every bad field once', async () => {
    const problem = await problemOf({ limit: '-1', cursor: 'ABCDEFGHIJ', extra: '1' });
    expect(problem.errors?.map((error) => error.field).sort()).toEqual(['cursor', 'extra', 'limit']);
    expect(problem.errors?.find((error) => error.field === 'extra')?.detail).toBe(
      'property extra should not exist',
    );
  });

  it('passes a good query through, converted', async () => {
    await expect(hubValidationPipe().transform({ limit: '20', cursor: 'abc' }, QUERY)).resolves.toEqual(
      Object.assign(new PageQuery(), { limit: 20, cursor: 'abc' }),
    );
  });
});
