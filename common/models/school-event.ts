import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/**
 * A school event (the GEMA app's "activities"): shown on the homepage while active and not over
 * (README.md#admin-school-events-and-audit-log).
 */
export class SchoolEvent extends Model<InferAttributes<SchoolEvent>, InferCreationAttributes<SchoolEvent>> {
  declare id: CreationOptional<string>;
  declare title: string;
  declare description: CreationOptional<string>;
  declare startsAt: Date;
  declare endsAt: Date | null;
  declare location: string | null;
  declare capacity: number | null;
  declare registeredCount: CreationOptional<number>;
  declare active: CreationOptional<boolean>;
  declare createdBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof SchoolEvent {
    SchoolEvent.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        title: { type: DataTypes.STRING(200), allowNull: false },
        description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        startsAt: { type: DataTypes.DATE, allowNull: false },
        endsAt: { type: DataTypes.DATE, allowNull: true },
        location: { type: DataTypes.STRING(200), allowNull: true },
        capacity: { type: DataTypes.INTEGER, allowNull: true },
        registeredCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        createdBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'school_events', underscored: true },
    );
    return SchoolEvent;
  }
}
