import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const COMPARISONS = ['exact', 'trim', 'tokens', 'float', 'regex'] as const;
export type Comparison = (typeof COMPARISONS)[number];
/**
 * What a student sees of a test: `show` everything; `hide` only its verdict, time and memory;
 * `hide_if_succeed` details only when it failed; `hide_if_fail` details only when it passed.
 */
export const VISIBILITIES = ['show', 'hide', 'hide_if_succeed', 'hide_if_fail'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export class CodingTestCase extends Model<InferAttributes<CodingTestCase>, InferCreationAttributes<CodingTestCase>> {
  declare id: CreationOptional<string>;
  declare taskId: string;
  declare position: number;
  declare name: string;
  declare stdin: CreationOptional<string>;
  declare expected: CreationOptional<string>;
  declare comparison: CreationOptional<Comparison>;
  declare tolerance: CreationOptional<number | null>;
  declare points: CreationOptional<number>;
  declare visibility: CreationOptional<Visibility>;
  declare sample: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof CodingTestCase {
    CodingTestCase.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        taskId: { type: DataTypes.UUID, allowNull: false },
        position: { type: DataTypes.INTEGER, allowNull: false },
        name: { type: DataTypes.STRING(100), allowNull: false },
        stdin: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        expected: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        comparison: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'trim' },
        tolerance: { type: DataTypes.DOUBLE, allowNull: true },
        points: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        visibility: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'show' },
        sample: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'coding_test_cases', underscored: true },
    );
    return CodingTestCase;
  }
}
